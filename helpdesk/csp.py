"""The Content-Security-Policy of the pages agents and managers work in (the inbox, reports,
their account): scripts and styles from our own static files only, no plugins, no framing.
A buyer's HTML is shown in a sandboxed iframe that inherits this policy, so even a script
the sanitiser missed could neither run nor load anything from outside (tracking pixels
included)."""

import base64
import hashlib

from django.utils.csp import CSP
from django.views.decorators.csp import csp_override

# The one inline style the pages carry: plain type for a buyer's HTML inside its sandboxed
# iframe (which inherits this policy, so the style is allowed by its hash, nothing else).
FRAME_STYLE = (
    "body{font:14px/1.5 system-ui,sans-serif;color:#1d2330;margin:8px;overflow-wrap:anywhere}"
    "img{max-width:100%}table{max-width:100%}"
)
_FRAME_STYLE_DIGEST = base64.b64encode(hashlib.sha256(FRAME_STYLE.encode()).digest()).decode()
_FRAME_STYLE_HASH = f"'sha256-{_FRAME_STYLE_DIGEST}'"

INBOX_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, _FRAME_STYLE_HASH],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

inbox_csp = csp_override(INBOX_CSP)
