"""Sensors: start the full refresh when a new extract folder lands in the drop (defs/drop_sensor.py)."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.drop_sensor import new_extract_sensor

sensors: list[dg.SensorDefinition] = [new_extract_sensor]
