"""Pure rules of printing: text width, receipt layouts, routing, the queue's timing. No I/O."""
