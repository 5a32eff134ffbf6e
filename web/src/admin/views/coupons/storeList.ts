// The tenant's stores, for the forms that name one (hand-outs, templates valid in some stores).
import { ref } from "vue";

import { api, call } from "@/api/client";
import type { components } from "@/api/schema";

import { toastError } from "../../feedback";

type Store = components["schemas"]["StoreOut"];

export function useStoreList() {
  const stores = ref<Store[]>([]);

  async function load() {
    try {
      stores.value = (await call(api.GET("/api/v1/stores"))).stores ?? [];
    } catch (err) {
      toastError(err);
    }
  }

  function nameOf(id: string): string {
    return stores.value.find((s) => s.id === id)?.name ?? id;
  }

  return { stores, load, nameOf };
}
