/* plotly.js speaks English in its mode bar and notices; this is its Chinese, chosen by the
   figure's config.locale ("zh-CN") that indicators/charts.py sets on Chinese pages. */
(function () {
  "use strict";
  window.Plotly.register({
    moduleType: "locale",
    name: "zh-CN",
    dictionary: {
      "Autoscale": "自动缩放",
      "Box Select": "矩形框选",
      "Compare data on hover": "悬停时比较数据",
      "Double-click on legend to isolate one trace": "双击图例可单独显示一项",
      "Double-click to zoom back out": "双击恢复原大小",
      "Download plot": "下载图表",
      "Download plot as a PNG": "下载图表（PNG图片）",
      "Download plot as JSON": "下载图表（JSON）",
      "Image download succeeded": "图片已下载",
      "JSON download succeeded": "JSON已下载",
      "Lasso Select": "套索选择",
      "Pan": "平移",
      "Preparing image - this may take a few seconds": "正在生成图片，请稍候",
      "Reset": "重置",
      "Reset axes": "重置坐标轴",
      "Reset view": "重置视图",
      "Reset views": "重置视图",
      "Show closest data on hover": "悬停时显示最近的数据",
      "Sorry, there was a problem downloading your image!": "图片下载失败，请重试。",
      "Sorry, there was a problem downloading your JSON file!": "JSON下载失败，请重试。",
      "Toggle Spike Lines": "显示或隐藏辅助线",
      "Toggle show closest data on hover": "悬停时是否显示最近的数据",
      "Zoom": "缩放",
      "Zoom in": "放大",
      "Zoom out": "缩小"
    },
    format: {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      months: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
      shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
      date: "%Y-%m-%d",
      decimal: ".",
      thousands: ","
    }
  });
})();
