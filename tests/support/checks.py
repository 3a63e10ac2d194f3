"""A tiny assertion counter for the black-box test scripts run by ctest: each check is counted,
failures print their detail, and finish() prints the 'N passed, N failed' line and exits."""
import sys


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAILED: {name}\n{detail}")

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)
