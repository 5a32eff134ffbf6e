export const zh = {
  m: {
    tabs: { home: "工作台", customers: "客户", me: "我的" },
    home: { hello: "{name}，您好", today: "今天是 {date}" },
    features: { customers: "客户", inbox: "消息" },
    me: { roles: "角色", phone: "手机号", switchLanguage: "切换语言" },
  },
};

export const en: typeof zh = {
  m: {
    tabs: { home: "Today", customers: "Customers", me: "Me" },
    home: { hello: "Hello, {name}", today: "Today is {date}" },
    features: { customers: "Customers", inbox: "Inbox" },
    me: { roles: "Roles", phone: "Phone", switchLanguage: "Language" },
  },
};
