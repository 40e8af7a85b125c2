"""Operations: act on hosts (services, signals, ad-hoc commands, runbooks) over the
fleet's connections, with read-only enforcement, locks and an audit trail that no
entry point (key, palette, headless command, future view) can bypass: every one of
them goes through `console.operations.core.Operations`."""
