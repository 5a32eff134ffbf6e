export const zh = {
  admin: {
    menu: { home: "首页", customers: "客户" },
    home: {
      welcome: "{name}，欢迎回来",
      takingsToday: "今日营业额",
      ordersToday: "今日订单",
      collectionsToday: "今日回款",
      ranking: "本月业务员排行",
      rank: "名次",
      salesperson: "业务员",
      netSales: "净销售额",
    },
  },
};

export const en: typeof zh = {
  admin: {
    menu: { home: "Home", customers: "Customers" },
    home: {
      welcome: "Welcome back, {name}",
      takingsToday: "Takings today",
      ordersToday: "Orders today",
      collectionsToday: "Collections today",
      ranking: "This month's ranking",
      rank: "Rank",
      salesperson: "Salesperson",
      netSales: "Net sales",
    },
  },
};
