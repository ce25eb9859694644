"""Figures for ministries and regions, with small cells suppressed."""
