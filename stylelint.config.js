// The browser baseline for our own CSS (make lint): doiuse, through the stylelint plugin, reads
// the browserslist in package.json ("chrome >= 90") and reports every feature that caniuse says
// those browsers lack or support only in part. A use that is fine despite a partial support is
// let through where it stands, with the reason; a reason is required and a needless one fails.
"use strict";

module.exports = {
  plugins: ["stylelint-no-unsupported-browser-features"],
  reportDescriptionlessDisables: true,
  reportNeedlessDisables: true,
  reportInvalidScopeDisables: true,
  rules: {
    "plugin/no-unsupported-browser-features": [true, { severity: "error" }],
  },
};
