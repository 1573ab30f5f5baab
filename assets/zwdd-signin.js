// 免登 inside 政务钉钉 / 浙政钉: ask the app's JS bridge (gdt-jsapi, from npm)
// for an auth code and take it to duban's callback. Bundled by `make setup`
// into build/assets/zwdd/signin.js; the page says where to go in data-*.
import getAuthCode from "gdt-jsapi/es/getAuthCode";

function go() {
  const here = document.getElementById("zwdd-signin");
  if (!here) return;
  const corpId = here.dataset.corpId || undefined;
  getAuthCode(corpId ? { corpId } : {})
    .then((answer) => {
      const code = answer.auth_code || answer.code || "";
      const url = new URL(here.dataset.callback, window.location.href);
      url.searchParams.set("auth_code", code);
      url.searchParams.set("state", here.dataset.state);
      window.location.replace(url.toString());
    })
    .catch(() => {
      here.querySelector("[data-failed]").hidden = false;
    });
}

document.addEventListener("DOMContentLoaded", go);
