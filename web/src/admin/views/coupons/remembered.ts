// The printed batches, campaigns and pre-charge batches a person started: the API answers each
// by its id but keeps no list of them, so the admin remembers the latest ones in this browser,
// per staff member, to open them again (the figures themselves are always read afresh).
import { ref, type Ref } from "vue";

const LIMIT = 30;
const lists = new Map<string, Ref<unknown[]>>();

function read(key: string): unknown[] {
  try {
    const saved = JSON.parse(localStorage.getItem(key) ?? "[]");
    return Array.isArray(saved) ? saved : [];
  } catch {
    return [];
  }
}

export function useRemembered<T extends { id: string }>(name: string, staffId: string) {
  const key = `crm.admin.${name}.${staffId}`;
  // One list per key for the whole app: the panel that lists and the dialog that adds share it.
  if (!lists.has(key)) lists.set(key, ref(read(key)));
  const items = lists.get(key) as Ref<T[]>;

  function save(next: T[]) {
    items.value = next.slice(0, LIMIT);
    localStorage.setItem(key, JSON.stringify(items.value));
  }

  /** Newest first; remembering a known id again moves it to the top with its new fields. */
  function remember(item: T) {
    const known = items.value.find((i) => i.id === item.id);
    save([{ ...known, ...item }, ...items.value.filter((i) => i.id !== item.id)]);
  }

  function forget(id: string) {
    save(items.value.filter((i) => i.id !== id));
  }

  return { items, remember, forget };
}
