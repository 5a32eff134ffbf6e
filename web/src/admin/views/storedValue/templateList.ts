// The tenant's coupon templates by name, for the forms that give coupons (recharge rules, gifts).
import { ref } from "vue";

import { api, call } from "@/api/client";
import type { components } from "@/api/schema";

type Template = components["schemas"]["TemplateOut"];

export function useTemplateList() {
  const templates = ref<Template[]>([]);

  /** The newest hundred: enough to pick from; a template not among them shows by its id. */
  async function load() {
    templates.value = (await call(api.GET("/api/v1/coupon-templates", { params: { query: { page: 1, page_size: 100 } } })).catch(() => null))
      ?.templates ?? [];
  }

  function nameOf(id: string): string {
    return templates.value.find((c) => c.id === id)?.name ?? id;
  }

  return { templates, load, nameOf };
}
