export const zh = {
  title: "公海客户",
  searchHint: "客户名称或手机号",
  claim: "认领",
  claimed: "已认领 {name}",
};

export const en: typeof zh = {
  title: "Pool",
  searchHint: "Name or phone",
  claim: "Claim",
  claimed: "{name} is yours",
};
