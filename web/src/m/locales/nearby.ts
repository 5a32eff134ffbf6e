export const zh = {
  title: "附近客户",
  locating: "正在获取位置…",
  denied: "无法获取位置：请允许浏览器使用定位",
  radius: "{km} 公里内",
  distance: "{m} 米",
  distanceKm: "{km} 公里",
  call: "打电话",
  navigate: "导航",
};

export const en: typeof zh = {
  title: "Near me",
  locating: "Finding where you are…",
  denied: "No location: let the browser use it",
  radius: "Within {km} km",
  distance: "{m} m",
  distanceKm: "{km} km",
  call: "Call",
  navigate: "Navigate",
};
