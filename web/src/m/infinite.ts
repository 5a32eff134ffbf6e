// A list that loads page after page as it scrolls (van-list), restartable when a filter changes.
import { showToast } from "vant";
import { ref } from "vue";

export function useInfinite<T>(fetch: (page: number) => Promise<{ rows: T[]; total: number }>) {
  const rows = ref<T[]>([]) as { value: T[] };
  const page = ref(0);
  const loading = ref(false);
  const finished = ref(false);
  const failed = ref(false);
  // A restart while a page is on its way makes that page stale: its rows belong to the old filter.
  let generation = 0;

  async function more() {
    const asked = generation;
    try {
      const body = await fetch(page.value + 1);
      if (asked !== generation) return;
      page.value += 1;
      rows.value.push(...body.rows);
      finished.value = rows.value.length >= body.total || !body.rows.length;
    } catch (err) {
      if (asked !== generation) return;
      failed.value = true;
      showToast((err as Error).message);
    } finally {
      if (asked === generation) loading.value = false;
    }
  }

  function restart() {
    generation += 1;
    rows.value = [];
    page.value = 0;
    finished.value = false;
    loading.value = true;
    return more();
  }

  return { rows, loading, finished, failed, more, restart };
}
