// Names for the ids the API hands out (a change log's actors, the staff and stores its fields
// name): asked once per id and remembered for the page's life. An id the caller may not see
// (identity answers 403) stays unnamed, and the caller shows something plainer, not an error.
import { api, call } from "@/api/client";

const staff = new Map<string, Promise<string>>();
let stores: Promise<Map<string, string>> | null = null;

export function staffName(id: string): Promise<string> {
  let name = staff.get(id);
  if (!name) {
    name = call(api.GET("/api/v1/staff/{staff_id}", { params: { path: { staff_id: id } } }))
      .then((s) => s.name ?? "")
      .catch(() => "");
    staff.set(id, name);
  }
  return name;
}

export async function storeName(id: string): Promise<string> {
  stores ??= call(api.GET("/api/v1/stores"))
    .then((body) => new Map((body.stores ?? []).map((s) => [s.id, s.name ?? ""])))
    .catch(() => new Map());
  return (await stores).get(id) ?? "";
}
