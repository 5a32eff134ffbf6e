"""The MarketingService RPCs by area, one mixin each (proto -> use case -> proto, nothing more);
`marketing.grpc_api` composes them into the servicer. `messages` turns views into messages."""
