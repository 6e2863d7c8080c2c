// Runs first in <body>, as an external file so that the Content-Security-Policy needs no inline
// script: it lets GOV.UK Frontend's styles know that JavaScript is available.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
