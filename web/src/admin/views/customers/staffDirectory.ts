// Who a staff id is, for the pipeline's lists (leads, duplicates, applications, follow-ups).
// Only managers may list the staff (identity refuses a salesperson), so a salesperson's lists
// name themselves and call everybody else "another salesperson".
import { computed, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";

import { api, call } from "@/api/client";
import type { components } from "@/api/schema";

import { useSession } from "../../session";

type Staff = components["schemas"]["StaffOut"];

const PAGE = 100;

async function everyone(): Promise<Staff[]> {
  const all: Staff[] = [];
  for (let page = 1; ; page++) {
    const body = await call(api.GET("/api/v1/staff", { params: { query: { page, page_size: PAGE } } }));
    all.push(...(body.staff ?? []));
    if (all.length >= (body.page?.total ?? 0) || !body.staff?.length) return all;
  }
}

export function useStaffDirectory() {
  const { t } = useI18n();
  const session = useSession();
  const isManager = computed(() => session.hasRole("owner", "store_manager"));
  const names = reactive<Record<string, string>>({});
  const staff = ref<Staff[]>([]);
  // Who may hold leads and customers: active salespeople (a manager may also take one himself).
  const salespeople = computed(() => staff.value.filter((s) => s.active && s.roles?.includes("salesperson")));

  async function load(): Promise<void> {
    if (!isManager.value) return;
    staff.value = await everyone().catch(() => []);
    for (const s of staff.value) names[s.id] = s.name ?? "";
  }

  function nameOf(id: string | null | undefined): string {
    if (!id) return t("admin.leads.unassigned");
    if (id === session.me?.id) return session.me?.name || t("admin.leads.me");
    return names[id] ?? t("admin.leads.otherStaff");
  }

  return { isManager, salespeople, load, nameOf };
}
