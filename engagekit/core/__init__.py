"""The ground every stage stands on: errors, the canonical schema and the content-category vocabulary,
privacy (salted keys), UTM parsing, GA4 channel groups, wrapped text. Imports nothing of engagekit."""
