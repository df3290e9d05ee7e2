"""The saga's terminal steps, shared by the live request, cancellation and recovery:
confirming a paid order (confirm.py) and failing and compensating one (compensation.py).

Every status move is a compare-and-set on the order row, so when a live request, the
recovery loop (on any replica) and a cancellation race for one order, exactly one wins and
the others see the result; every remote step they repeat is idempotent by order id.
"""
