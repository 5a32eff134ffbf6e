"""Every event the messaging service publishes (exchange `messaging.events`): none yet. It only
consumes (subscriptions.py); its outbox exists so that a first event needs no migration. An
event it comes to publish is declared here with its payload builder, as the other services do."""

from crmkit.events import EventCatalogue

EVENTS = EventCatalogue("messaging")
