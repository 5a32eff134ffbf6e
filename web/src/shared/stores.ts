// The store switcher (A4) both apps show: my stores with the current one and pins first, and the
// recently used ones; pinning is remembered by the server.
import { ref } from "vue";

import { api, call } from "@/api/client";
import type { components } from "@/api/schema";

type Switcher = components["schemas"]["SwitcherOut"];

export function useStoreSwitcher(onError: (e: Error) => void) {
  const switcher = ref<Switcher | null>(null);

  async function load() {
    try {
      switcher.value = await call(api.GET("/api/v1/stores/switcher"));
    } catch (err) {
      onError(err as Error);
    }
  }

  async function pin(storeId: string, pinned: boolean) {
    const path = { params: { path: { store_id: storeId } } };
    try {
      await call(pinned ? api.PUT("/api/v1/stores/{store_id}/pin", path) : api.DELETE("/api/v1/stores/{store_id}/pin", path));
      await load();
    } catch (err) {
      onError(err as Error);
    }
  }

  // The store worked in now (A4): the one switched to, else the first of the list (pins first),
  // as the header names it.
  function current() {
    return switcher.value?.stores?.find((s) => s.current) ?? switcher.value?.stores?.[0];
  }

  function currentName(): string {
    return current()?.store?.name ?? "";
  }

  function currentId(): string {
    return current()?.store?.id ?? "";
  }

  return { switcher, load, pin, currentName, currentId };
}
