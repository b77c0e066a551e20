//! Alibaba Cloud's region ids, known offline. A region picks the endpoint, so a typo would
//! only show as a failure to reach a host that does not answer; checking the id against this
//! list at configure time names the mistake instead. `skip_region_validation` (named as the
//! official provider names it) lets a region newer than this list through.

/// Public regions, mainland China first, then the rest by id.
pub const KNOWN_REGIONS: &[&str] = &[
    "cn-qingdao",
    "cn-beijing",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-nanjing",
    "cn-fuzhou",
    "cn-wuhan-lr",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-chengdu",
    "cn-hongkong",
    "cn-beijing-finance-1",
    "cn-hangzhou-finance",
    "cn-shanghai-finance-1",
    "cn-shenzhen-finance-1",
    "cn-north-2-gov-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "eu-central-1",
    "eu-west-1",
    "me-central-1",
    "me-east-1",
    "na-south-1",
    "us-east-1",
    "us-west-1",
];

/// Whether `value` has the shape of a region id: lower-case words and numbers joined by
/// dashes, the first a word of two letters or more (`cn-hangzhou`, `ap-southeast-1`).
pub fn looks_like_region(value: &str) -> bool {
    let mut parts = value.split('-');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    first.len() >= 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !rest.is_empty()
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Why `region` is not one to call, or `None` when it is. `skip` lets any well-formed id
/// through.
pub fn region_problem(region: &str, skip: bool) -> Option<String> {
    if !looks_like_region(region) {
        return Some(format!(
            "{region:?} is not a region id such as cn-hangzhou or ap-southeast-1"
        ));
    }
    if skip || KNOWN_REGIONS.contains(&region) {
        return None;
    }
    let hint = closest(region)
        .map(|r| format!(" Did you mean {r:?}?"))
        .unwrap_or_default();
    Some(format!(
        "{region:?} is not an Alibaba Cloud region this provider knows.{hint} For a region newer than this provider, set skip_region_validation = true."
    ))
}

/// The known region nearest to `region` by edit distance, if it is near enough to be a typo.
fn closest(region: &str) -> Option<&'static str> {
    KNOWN_REGIONS
        .iter()
        .map(|r| (edit_distance(region, r), *r))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, r)| r)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_pass_and_typos_are_named_with_a_suggestion() {
        assert_eq!(region_problem("cn-hangzhou", false), None);
        assert_eq!(region_problem("ap-southeast-1", false), None);
        let typo = region_problem("cn-hangzou", false).expect("a typo");
        assert!(typo.contains("Did you mean \"cn-hangzhou\"?"), "{typo}");
        let unknown = region_problem("mars-north-1", false).expect("unknown");
        assert!(unknown.contains("skip_region_validation"), "{unknown}");
        assert!(!unknown.contains("Did you mean"), "{unknown}");
        assert_eq!(region_problem("mars-north-1", true), None, "skipped");
        assert!(
            region_problem("Hangzhou", true).is_some(),
            "the shape is always checked"
        );
    }

    #[test]
    fn every_known_region_has_the_shape_and_appears_once() {
        let mut seen = std::collections::HashSet::new();
        for r in KNOWN_REGIONS {
            assert!(looks_like_region(r), "{r}");
            assert!(seen.insert(r), "{r} twice");
        }
        for bad in [
            "",
            "cn",
            "c-x",
            "cn-",
            "cn--a",
            "CN-hangzhou",
            "cn_hangzhou",
        ] {
            assert!(!looks_like_region(bad), "{bad}");
        }
    }
}
