"""Rendering a composed guide: the site's pages, the workbook's PDF, its pagination and its form fields."""
