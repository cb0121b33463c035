//! Genesys Cloud regions: the SDK name and the domain of each, as the platform's SDKs list
//! them (docs/genesys-cloud.md). A profile names its region either way; the domain gives
//! both hosts: `https://login.<domain>` for tokens and `https://api.<domain>` for the API.

/// One region: its SDK name (`us_east_1`) and its domain (`mypurecloud.com`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub sdk_name: &'static str,
    pub domain: &'static str,
}

/// The 17 regions, in the SDKs' order.
pub const REGIONS: &[Region] = &[
    region("us_east_1", "mypurecloud.com"),
    region("eu_west_1", "mypurecloud.ie"),
    region("ap_southeast_2", "mypurecloud.com.au"),
    region("ap_northeast_1", "mypurecloud.jp"),
    region("eu_central_1", "mypurecloud.de"),
    region("us_west_2", "usw2.pure.cloud"),
    region("ca_central_1", "cac1.pure.cloud"),
    region("ap_northeast_2", "apne2.pure.cloud"),
    region("eu_west_2", "euw2.pure.cloud"),
    region("ap_south_1", "aps1.pure.cloud"),
    region("us_east_2", "use2.us-gov-pure.cloud"),
    region("sa_east_1", "sae1.pure.cloud"),
    region("me_central_1", "mec1.pure.cloud"),
    region("ap_northeast_3", "apne3.pure.cloud"),
    region("eu_central_2", "euc2.pure.cloud"),
    region("mx_central_1", "mxc1.pure.cloud"),
    region("ap_southeast_1", "apse1.pure.cloud"),
];

const fn region(sdk_name: &'static str, domain: &'static str) -> Region {
    Region { sdk_name, domain }
}

impl Region {
    /// A region by its domain (`usw2.pure.cloud`) or SDK name (`us_west_2`, `us-west-2`),
    /// ignoring case and surrounding blanks.
    pub fn find(text: &str) -> Option<Region> {
        let wanted = text.trim().to_ascii_lowercase();
        let as_sdk = wanted.replace('-', "_");
        REGIONS
            .iter()
            .find(|r| r.domain == wanted || r.sdk_name == as_sdk)
            .copied()
    }

    /// The SDK name as the Terraform provider writes it (`us-east-1`).
    pub fn dashed_name(self) -> String {
        self.sdk_name.replace('_', "-")
    }

    /// `https://login.<domain>/oauth/token`.
    pub fn token_url(self) -> String {
        format!("https://login.{}/oauth/token", self.domain)
    }

    /// `https://api.<domain>`.
    pub fn api_base_url(self) -> String {
        format!("https://api.{}", self.domain)
    }

    /// Every region as `us-east-1 (mypurecloud.com)`, for the unknown-region error.
    pub fn known_list() -> String {
        REGIONS
            .iter()
            .map(|r| format!("{} ({})", r.dashed_name(), r.domain))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_is_found_by_domain_and_by_both_spellings_of_its_sdk_name() {
        assert_eq!(REGIONS.len(), 17);
        for r in REGIONS {
            assert_eq!(Region::find(r.domain), Some(*r));
            assert_eq!(Region::find(r.sdk_name), Some(*r));
            assert_eq!(Region::find(&r.dashed_name().to_uppercase()), Some(*r));
        }
    }

    #[test]
    fn hosts_come_from_the_domain() {
        let r = Region::find("usw2.pure.cloud").expect("known");
        assert_eq!(r.token_url(), "https://login.usw2.pure.cloud/oauth/token");
        assert_eq!(r.api_base_url(), "https://api.usw2.pure.cloud");
        assert_eq!(Region::find("eu-west-3"), None);
        assert_eq!(Region::find("api.mypurecloud.com"), None);
    }
}
