// D6: the company's materials (素材) for salespeople to open, download and share.
export const zh = {
  tile: "素材",
  title: "素材库",
  search: "搜索素材标题",
  all: "全部",
  kinds: { document: "文档", image: "图片", video: "视频", script: "话术" },
  open: "打开",
  download: "下载",
  share: "分享给客户",
  copyScript: "复制话术",
  copied: "已复制",
  copyFailed: "复制失败，请长按文字复制",
  views: "{n} 次查看",
};

export const en: typeof zh = {
  tile: "Materials",
  title: "Materials",
  search: "Search titles",
  all: "All",
  kinds: { document: "Document", image: "Image", video: "Video", script: "Script" },
  open: "Open",
  download: "Download",
  share: "Share with a customer",
  copyScript: "Copy the script",
  copied: "Copied",
  copyFailed: "Could not copy; press and hold the text to copy it",
  views: "{n} views",
};
