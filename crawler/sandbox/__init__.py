"""The offline storefront: a synthetic marketplace generator and a local HTTP server."""
