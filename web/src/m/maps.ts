// Links that open a map app on the phone. The same Amap URI the customers service hands out for
// "near me" (longitude first; our points are GPS, WGS-84), so both screens open the same place.
export function amapMarker(latitude: number, longitude: number, name: string): string {
  const position = `${longitude.toFixed(6)},${latitude.toFixed(6)}`;
  return `https://uri.amap.com/marker?position=${position}&name=${encodeURIComponent(name)}&coordinate=wgs84`;
}

/** Metres as people say them: "350 米" below a kilometre, "2.4 公里" above. */
export function distanceText(t: (key: string, values: Record<string, unknown>) => string, metres: number): string {
  return metres < 1000 ? t("m.nearby.distance", { m: metres }) : t("m.nearby.distanceKm", { km: (metres / 1000).toFixed(1) });
}
