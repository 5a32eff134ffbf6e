// A customer's stored value and points with their ledger (E7), read-only on the customer's page.
export const zh = {
  title: "储值与积分",
  balance: "储值余额",
  points: "积分",
  recharges: "充值次数",
  after: "余额 {value}",
  details: "查看明细",
};

export const en: typeof zh = {
  title: "Stored value and points",
  balance: "Balance",
  points: "Points",
  recharges: "Recharges",
  after: "Then {value}",
  details: "Details",
};
