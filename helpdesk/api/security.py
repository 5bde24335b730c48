"""The Content-Security-Policy of the API's reference page (Redoc, served from our static
files): nothing from another origin. Redoc draws its styles inline and renders the schema
in a worker made from a blob, so those two are allowed, and nothing else."""

from django.utils.csp import CSP
from django.views.decorators.csp import csp_override

REFERENCE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

reference_csp = csp_override(REFERENCE_CSP)
