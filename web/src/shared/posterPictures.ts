// D4: uploaded poster pictures are the tenant's, served only with the bearer token: fetched once
// through the typed client and shown from object URLs (an <img src> would carry no token).
import { api, call } from "@/api/client";

const pictures = new Map<string, Promise<string>>();

export function pictureUrl(imageId: string): Promise<string> {
  let url = pictures.get(imageId);
  if (!url) {
    url = call(
      api.GET("/api/v1/poster-images/{image_id}/file", { params: { path: { image_id: imageId } }, parseAs: "blob" }),
    ).then((blob) => URL.createObjectURL(blob as Blob));
    url.catch(() => pictures.delete(imageId));
    pictures.set(imageId, url);
  }
  return url;
}
