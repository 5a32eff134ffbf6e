export const zh = {
  title: "店长数据",
  days7: "近 7 天",
  days30: "近 30 天",
  total: "营业额合计",
  orders: "{n} 单",
  sales: "销售 {amount}",
  returns: "退货 {amount}",
  allStores: "全部门店",
};

export const en: typeof zh = {
  title: "Store figures",
  days7: "7 days",
  days30: "30 days",
  total: "Takings in all",
  orders: "{n} orders",
  sales: "Sales {amount}",
  returns: "Returns {amount}",
  allStores: "All stores",
};
