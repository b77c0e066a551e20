//! cty numbers: arbitrary precision in Terraform, so we keep integers exact, floats as f64 and
//! anything larger as the decimal text Terraform sent.

use std::fmt;

#[derive(Debug, Clone)]
pub enum Number {
    Int(i64),
    Float(f64),
    /// A number outside i64/f64 precision, as decimal text (msgpack carries these as strings).
    Decimal(String),
}

impl Number {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            Number::Float(_) => None,
            Number::Decimal(s) => s.parse().ok(),
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Number::Int(i) => Some(*i as f64),
            Number::Float(f) => Some(*f),
            Number::Decimal(s) => s.parse().ok(),
        }
    }

    /// Parses decimal text the way Terraform writes big numbers; `None` when it is not a number.
    pub fn parse(text: &str) -> Option<Number> {
        if let Ok(i) = text.parse::<i64>() {
            return Some(Number::Int(i));
        }
        let looks_numeric = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'));
        match text.parse::<f64>() {
            Ok(f) if looks_numeric && f.is_finite() => {
                // Keep the text when f64 would lose digits, so big values survive a round trip.
                if format_float(f) == text {
                    Some(Number::Float(f))
                } else {
                    Some(Number::Decimal(text.to_string()))
                }
            }
            _ => None,
        }
    }
}

fn format_float(f: f64) -> String {
    format!("{f}")
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::Int(i)
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Decimal(a), Number::Decimal(b)) => a == b,
            _ => match (self.as_i64(), other.as_i64()) {
                (Some(a), Some(b)) => a == b,
                _ => self.as_f64() == other.as_f64(),
            },
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{}", format_float(*x)),
            Number::Decimal(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_across_representations() {
        assert_eq!(Number::Int(3), Number::Float(3.0));
        assert_eq!(Number::Int(3), Number::Decimal("3".into()));
        assert_ne!(Number::Int(3), Number::Float(3.5));
    }

    #[test]
    fn parse_keeps_precision() {
        assert_eq!(Number::parse("42"), Some(Number::Int(42)));
        assert!(matches!(Number::parse("1.5"), Some(Number::Float(f)) if f == 1.5));
        let big = "123456789012345678901234567890";
        assert!(matches!(Number::parse(big), Some(Number::Decimal(ref s)) if s == big));
        assert_eq!(Number::parse("NaN"), None);
        assert_eq!(Number::parse("inf"), None);
        assert_eq!(Number::parse(""), None);
    }
}
