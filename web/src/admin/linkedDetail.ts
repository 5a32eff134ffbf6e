// A list page's drawer for one of its objects, opened from its row or from a link naming it
// (`?id=`, e.g. a notification in 通知中心).
import { ref, watch } from "vue";
import { useRoute } from "vue-router";

export function useLinkedDetail() {
  const route = useRoute();
  const shownId = ref("");
  const showing = ref(false);

  function detail(id: string) {
    shownId.value = id;
    showing.value = true;
  }

  watch(
    () => route.query.id,
    (id) => typeof id === "string" && id && detail(id),
    { immediate: true },
  );
  return { shownId, showing, detail };
}
