// What the material pages share (D6): the types, sizes as people read them, and a file fetched
// behind the caller's token (the file route is not a public address).
import { api, call } from "@/api/client";
import type { components } from "@/api/schema";

export type Material = components["schemas"]["MaterialOut"];
export type Recipient = components["schemas"]["MaterialRecipientOut"];
export type Kind = "document" | "image" | "video" | "script";
export const KINDS: Kind[] = ["document", "image", "video", "script"];
export const FILE_KINDS: Exclude<Kind, "script">[] = ["document", "image", "video"];
// What the file picker offers per kind; the service decides by the file's own bytes.
export const ACCEPT: Record<string, string> = {
  document: ".pdf,.docx,.xlsx,.pptx",
  image: ".jpg,.jpeg,.png,.webp,.gif",
  video: ".mp4,.mov",
};

export function fileSize(bytes: number | undefined): string {
  const n = bytes ?? 0;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return n ? `${Math.max(1, Math.round(n / 1024))} KB` : "";
}

/** Opens the file in a new tab (the tab opens on the click: one opened after an await is blocked). */
export async function openFile(material: Material): Promise<void> {
  const tab = window.open("", "_blank");
  try {
    const blob = await call(
      api.GET("/api/v1/materials/{material_id}/file", {
        params: { path: { material_id: material.id ?? "" }, query: { download: false } },
        parseAs: "blob",
      }),
    );
    const url = URL.createObjectURL(blob as unknown as Blob);
    if (tab) tab.location.href = url;
    else window.location.assign(url);
  } catch (err) {
    tab?.close();
    throw err;
  }
}
