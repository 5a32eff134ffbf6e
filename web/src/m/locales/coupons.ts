export const zh = {
  title: "发券",
  template: "优惠券",
  pickTemplate: "选择优惠券",
  segment: "客户人群",
  pickSegment: "选择人群（只发给我的客户）",
  send: "发给这些客户",
  sent: "已发出 {issued} 张",
  skipped: "{n} 位已领满或券已发完",
};

export const en: typeof zh = {
  title: "Send coupons",
  template: "Coupon",
  pickTemplate: "Choose a coupon",
  segment: "Segment",
  pickSegment: "Choose a segment (my customers only)",
  send: "Send to them",
  sent: "{issued} sent",
  skipped: "{n} skipped (limit reached or sold out)",
};
