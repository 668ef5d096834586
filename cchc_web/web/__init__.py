"""Request helpers every blueprint's routes use: the action runner and page helpers
(`views`), permissions (`security`), form fields (`forms`), request input (`inputs`), the
menu (`nav`), session rules (`sessions`), database faults as pages (`faults`), rate-limit
keys (`ratelimit`). Only routes, forms and the factory import this package."""
