// A list that loads page after page as it scrolls (van-list), restartable when a filter changes.
import { showToast } from "vant";
import { ref } from "vue";

export function useInfinite<T>(fetch: (page: number) => Promise<{ rows: T[]; total: number }>) {
  const rows = ref<T[]>([]) as { value: T[] };
  const page = ref(0);
  const loading = ref(false);
  const finished = ref(false);
  const failed = ref(false);

  async function more() {
    try {
      const body = await fetch(page.value + 1);
      page.value += 1;
      rows.value.push(...body.rows);
      finished.value = rows.value.length >= body.total || !body.rows.length;
    } catch (err) {
      failed.value = true;
      showToast((err as Error).message);
    } finally {
      loading.value = false;
    }
  }

  function restart() {
    rows.value = [];
    page.value = 0;
    finished.value = false;
    loading.value = true;
    return more();
  }

  return { rows, loading, finished, failed, more, restart };
}
