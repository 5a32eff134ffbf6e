// The notification inbox both apps show: the unread count (polled while the app is open) and the
// list; reading one marks it read.
import { onBeforeUnmount, onMounted, ref } from "vue";

import { api, call } from "@/api/client";
import type { components } from "@/api/schema";

type Notification = components["schemas"]["NotificationOut"];
const POLL_MS = 30_000;

export function useInbox(onError: (e: Error) => void) {
  const unread = ref(0);
  const items = ref<Notification[]>([]);
  const loading = ref(false);
  let timer: ReturnType<typeof setInterval> | undefined;

  async function count() {
    const body = await call(api.GET("/api/v1/notifications", { params: { query: { page_size: 1 } } })).catch(() => null);
    if (body) unread.value = body.unread_count ?? 0;
  }

  async function load() {
    loading.value = true;
    try {
      const body = await call(api.GET("/api/v1/notifications", { params: { query: { page_size: 50 } } }));
      items.value = body.notifications ?? [];
      unread.value = body.unread_count ?? 0;
    } catch (err) {
      onError(err as Error);
    } finally {
      loading.value = false;
    }
  }

  async function read(ids: string[] | "all") {
    try {
      const body = ids === "all" ? { all: true } : { all: false, ids };
      unread.value = (await call(api.POST("/api/v1/notifications/read", { body }))).unread_count ?? 0;
      for (const n of items.value) if (ids === "all" || ids.includes(n.id ?? "")) n.read = true;
    } catch (err) {
      onError(err as Error);
    }
  }

  onMounted(() => {
    count();
    timer = setInterval(count, POLL_MS);
  });
  onBeforeUnmount(() => clearInterval(timer));
  return { unread, items, loading, load, read, count };
}
