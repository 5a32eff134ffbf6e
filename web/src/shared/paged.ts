// A paginated list as every list page has it: rows, total, page and size, loading, reload.
import { ref } from "vue";

export interface PageResult<T> {
  rows: T[];
  total: number;
}

export function usePaged<T>(fetch: (page: number, pageSize: number) => Promise<PageResult<T>>, onError: (e: Error) => void) {
  const rows = ref<T[]>([]) as { value: T[] };
  const total = ref(0);
  const page = ref(1);
  const pageSize = ref(20);
  const loading = ref(false);

  async function load() {
    loading.value = true;
    try {
      const result = await fetch(page.value, pageSize.value);
      rows.value = result.rows;
      total.value = result.total;
    } catch (err) {
      onError(err as Error);
    } finally {
      loading.value = false;
    }
  }

  function first() {
    page.value = 1;
    return load();
  }

  return { rows, total, page, pageSize, loading, load, first };
}
