// A real OpenID Connect provider for the tests: node-oidc-provider (npm
// "oidc-provider"), on 127.0.0.1, with one client (duban) and the accounts
// given in OIDC_ACCOUNTS ({"sub": {claims}}). Its built-in development
// sign-in form accepts any password for a known account id.
// Usage: node oidc_provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
import Provider from "oidc-provider";

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || "{}");

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  async findAccount(ctx, id) {
    if (!accounts[id]) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
  },
  claims: {
    openid: ["sub"],
    profile: ["name", "preferred_username", "employee_number"],
    email: ["email"],
    phone: ["phone_number"],
  },
  conformIdTokenClaims: false, // the scopes' claims in the ID token too
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ["duban-tests-only"] },
});
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => {
  console.log("ready");
});
