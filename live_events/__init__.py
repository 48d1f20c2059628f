"""What every vendor's live events share: the token that authenticates a delivery, the gate in
front of Ocean's webhook routes, the bounded set of pending triggers, and webhook upkeep.
"""
