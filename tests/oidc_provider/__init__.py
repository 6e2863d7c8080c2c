"""A real OpenID provider for the single sign-on tests: oidc-provider from the npm registry
(installed by ``make`` with the other front-end packages), run by node with our settings in
``provider.mjs``; and a browser of the provider's pages for the Flask test client's tests."""
