//! Socket.IO v5 wire format.
