// The lines behind a month's commission (B9), on "my performance".
export const zh = {
  title: "提成明细",
  total: "本月提成合计",
  return: "退货",
  line: "{number} · {quantity} 件",
  amount: "金额 {amount}",
  noRule: "无提成规则",
};

export const en: typeof zh = {
  title: "Commission lines",
  total: "This month's commission",
  return: "Return",
  line: "{number} · {quantity} units",
  amount: "On {amount}",
  noRule: "No commission rule",
};
