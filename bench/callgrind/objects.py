"""Attribute access, method calls and small-object allocation in pure Python."""


class Point:
    def __init__(self, x: float, y: float) -> None:
        self.x = x
        self.y = y

    def moved(self, dx: float) -> "Point":
        return Point(self.x + dx, self.y - dx)


p = Point(0.0, 0.0)
for _ in range(20_000):
    p = p.moved(0.5)
total = p.x + p.y
