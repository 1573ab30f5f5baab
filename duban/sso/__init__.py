"""Signing in: the password form and single sign-on (OIDC, CAS, LDAP, and
DingTalk, WeCom and Feishu inside and outside their apps). docs/sso.md."""
