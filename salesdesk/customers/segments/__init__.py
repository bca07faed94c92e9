"""Segments and personas (客户画像, CUS-3): saved customer segments built from geographic,
firmographic/demographic, behavioural and psychographic criteria, and a persona page per segment.

- criteria.py: the criteria schema and its validation (the one place that knows the keys);
- models.py: the Segment model;
- selectors.py: criteria → Q, the customers of a segment (always within `visible_to(viewer)`),
  the persona aggregates;
- services.py: create, edit, delete (to the recycle bin).
"""
