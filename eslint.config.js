// The browser baseline for our own JavaScript (make lint): officials' 信创 desks run browsers that
// report Chrome 90, the browserslist in package.json. The checks are about what runs there, not
// about style:
// - compat: browser APIs the browserslist lacks, from MDN's compatibility data (structuredClone);
// - es-x: language features after ES2021 (Chrome 90 has all of ES2021), except the ES2022 ones
//   Chrome 90 already has, listed below with the version that brought each (MDN). So Array and
//   String .at() (Chrome 92), Object.hasOwn and Error cause (93), #x in obj (91), class static
//   blocks (94), findLast (97) and everything later are errors. "aggressive" reports .at(),
//   .findLast() and the like on any object, since a plain script carries no types;
// - the parser stops at ES2022: syntax after it fails to parse at all.
// If the baseline moves, move the browserslist and this list together.
"use strict";

const compat = require("eslint-plugin-compat");
const esx = require("eslint-plugin-es-x");

const CHROME_90_HAS = {
  "es-x/no-class-instance-fields": "off", // Chrome 72
  "es-x/no-class-static-fields": "off", // 72
  "es-x/no-class-private-fields": "off", // 74
  "es-x/no-class-private-methods": "off", // 84
  "es-x/no-arbitrary-module-namespace-names": "off", // 88
  "es-x/no-top-level-await": "off", // 89
  "es-x/no-regexp-d-flag": "off", // 90
};

// plotly.js's bundle (served by us, from the installed plotly package; make lint passes it on
// stdin under this name). One piece of syntax Chrome 90 cannot parse stops the whole file, and
// with it every chart; so the bundle must parse as ES2022 and hold none of ES2022's syntax that
// Chrome 90 lacks. A method Chrome 90 lacks only breaks the code that calls it: the bundle's
// calls sit in the map traces we never draw, and tests/test_browser_baseline.py draws our charts
// with those methods taken away.
const PLOTLY_SYNTAX = {
  "es-x/no-class-static-block": "error",
  "es-x/no-private-in": "error",
  "es-x/no-regexp-unicode-property-escapes-2022": "error",
  "es-x/no-regexp-unicode-property-escapes-2023": "error",
};

module.exports = [
  {
    files: ["plotly/plotly.min.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "script" },
    linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: "off" },
    plugins: { "es-x": esx },
    rules: PLOTLY_SYNTAX,
  },
  {
    files: ["static/js/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "script" },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    plugins: { compat, "es-x": esx },
    settings: { "es-x": { aggressive: true } },
    rules: {
      "compat/compat": "error",
      ...esx.configs["flat/restrict-to-es2021"].rules,
      ...CHROME_90_HAS,
    },
  },
];
