// The chart library as the demos use it: ECharts' tree-shakable core with only the chart types and components
// the demos draw (line, bar, heatmap; grid with value/log/category axes, tooltip, legend, title, visualMap,
// markLine, aria) and the canvas renderer. build/charts/build.mjs bundles this file; a demo that starts drawing
// a new kind of chart adds it here.
import * as echarts from "echarts/core";
import { BarChart, HeatmapChart, LineChart } from "echarts/charts";
import {
  AriaComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  BarChart, HeatmapChart, LineChart,
  AriaComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent,
  VisualMapComponent, CanvasRenderer,
]);

export * from "echarts/core";
