// The notification inbox both apps show: the unread count (polled while the app is open) and the
// list; reading one marks it read. The count is one for the whole app, so a badge and a list
// open at the same time agree: reading on one page drops the badge in the header or tab bar.
import { onBeforeUnmount, onMounted, ref } from "vue";

import { api, call } from "@/api/client";
import type { components } from "@/api/schema";

export type Notification = components["schemas"]["NotificationOut"];
const POLL_MS = 30_000;

const unread = ref(0);
let watchers = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** Reads the unread count again now (an alert just came, F4), besides the 30 s poll. */
export async function refreshUnread() {
  const body = await call(api.GET("/api/v1/notifications", { params: { query: { page_size: 1 } } })).catch(() => null);
  if (body) unread.value = body.unread_count ?? 0;
}

/** One page of the inbox, newest first (only the unread ones when asked); the count follows. */
export async function inboxPage(page: number, pageSize: number, unreadOnly = false) {
  const query = { page, page_size: pageSize, unread_only: unreadOnly };
  const body = await call(api.GET("/api/v1/notifications", { params: { query } }));
  unread.value = body.unread_count ?? 0;
  return { rows: body.notifications ?? [], total: body.page?.total ?? 0 };
}

/** Marks some notifications (or all of them) read; the count follows. */
export async function markRead(ids: string[] | "all"): Promise<void> {
  const body = ids === "all" ? { all: true } : { all: false, ids };
  unread.value = (await call(api.POST("/api/v1/notifications/read", { body }))).unread_count ?? 0;
}

export function useInbox(onError: (e: Error) => void) {
  const items = ref<Notification[]>([]);
  const loading = ref(false);

  async function load() {
    loading.value = true;
    try {
      items.value = (await inboxPage(1, 50)).rows;
    } catch (err) {
      onError(err as Error);
    } finally {
      loading.value = false;
    }
  }

  async function read(ids: string[] | "all") {
    try {
      await markRead(ids);
      for (const n of items.value) if (ids === "all" || ids.includes(n.id ?? "")) n.read = true;
    } catch (err) {
      onError(err as Error);
    }
  }

  // One poll for the app however many views show the inbox.
  onMounted(() => {
    refreshUnread();
    if (watchers++ === 0) timer = setInterval(refreshUnread, POLL_MS);
  });
  onBeforeUnmount(() => {
    if (--watchers === 0) clearInterval(timer);
  });
  return { unread, items, loading, load, read, count: refreshUnread };
}
