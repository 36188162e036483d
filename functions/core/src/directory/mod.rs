//! The directory: regions and their departments, units (单位) with their superior
//! department (归口管理部门), and each unit's platforms (seed 002's list: 序号,
//! 平台名称, 负责人, 管理部门). Every place where a person used to type a unit or
//! platform code chooses from here. A leaf: it knows no workflow.
//!
//! Regions are the registration form's (`content/forms/registration.toml`, one list
//! for the whole system); each region has two departments that units answer to, its
//! science and technology department and its health commission (seed 002: 河北省
//! 科学技术厅; seed 004: the medical institutions). Units and platforms are in the
//! store:
//!
//! | item | pk | sk | gsi1 |
//! | --- | --- | --- | --- |
//! | unit | `DIRECTORY#UNITS` | `UNIT#{code}` | `DIRECTORY#REGION#{region}` / `{code}` |
//! | platform | `DIRECTORY#UNIT#{unit}` | `PLATFORM#{code}` | |

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::lifecycle::review::is_slug;
use crate::store::{Index, Item, Key, SharedStore, StoreError, Write};

/// A region (省、自治区、直辖市 or 中央单位).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
}

/// A department of a region that units answer to (归口管理部门).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Department {
    /// `{region}-kjt`, `{region}-wjw`.
    pub code: String,
    pub name: String,
    pub region: String,
}

/// Every region, in the registration form's order.
pub fn regions() -> &'static [Region] {
    static REGIONS: OnceLock<Vec<Region>> = OnceLock::new();
    REGIONS.get_or_init(|| {
        gazette_forms::schema("registration")
            .and_then(|s| s.field("region"))
            .map(|f| {
                f.options()
                    .iter()
                    .map(|o| Region { code: o.value().to_string(), name: o.label(gazette_forms::Lang::Zh).to_string() })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The region of `code`.
pub fn region(code: &str) -> Option<&'static Region> {
    regions().iter().find(|r| r.code == code)
}

/// Every department, region by region.
pub fn departments() -> &'static [Department] {
    static DEPARTMENTS: OnceLock<Vec<Department>> = OnceLock::new();
    DEPARTMENTS.get_or_init(|| {
        regions()
            .iter()
            .flat_map(|r| {
                let (science, health) = if r.code == "central" {
                    ("科学技术部".to_string(), "国家卫生健康委员会".to_string())
                } else {
                    (format!("{}科学技术厅（局）", r.name), format!("{}卫生健康委员会", r.name))
                };
                [
                    Department { code: format!("{}-kjt", r.code), name: science, region: r.code.clone() },
                    Department { code: format!("{}-wjw", r.code), name: health, region: r.code.clone() },
                ]
            })
            .collect()
    })
}

/// The department of `code`.
pub fn department(code: &str) -> Option<&'static Department> {
    departments().iter().find(|d| d.code == code)
}

/// A unit (单位): a research platform's host, an institution handling cases, a unit
/// submitting its training plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// 单位代码: `[a-z0-9_-]{1,64}`.
    pub code: String,
    /// 单位名称.
    pub name: String,
    pub region: String,
    /// 归口管理部门 (a [`Department`] code).
    pub department: String,
    /// Whether the department approved the unit's registration: until then (and a
    /// refused unit is removed) the unit is no one's choice — no case is forwarded to it.
    #[serde(default)]
    pub approved: bool,
}

/// A platform of a unit (seed 002's list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// 序号, from 1 in the order added.
    pub seq: u32,
    /// 平台代码: `[a-z0-9_-]{1,64}`, the report's key.
    pub code: String,
    /// 平台名称.
    pub name: String,
    /// 负责人.
    pub leader: String,
    /// 管理部门.
    pub department: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// A field out of shape: its name and the message in Chinese.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0} is already in the directory")]
    Taken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DirectoryError {
    /// The refusal as the person reads it, and the field at fault.
    pub fn message_zh(&self) -> (Option<&'static str>, String) {
        match self {
            DirectoryError::Invalid { field, message } => (Some(field), message.clone()),
            DirectoryError::Taken(code) => (Some("code"), format!("代码 {code} 已被使用，请换一个。")),
            DirectoryError::Store(_) => (None, "目录暂时不可用，请稍后再试。".into()),
        }
    }
}

fn invalid<T>(field: &'static str, message: &str) -> Result<T, DirectoryError> {
    Err(DirectoryError::Invalid { field, message: message.into() })
}

fn check_text(field: &'static str, value: &str, what: &str) -> Result<(), DirectoryError> {
    if value.trim().is_empty() || value.chars().count() > 100 {
        return invalid(field, &format!("请填写{what}（不超过 100 个字符）。"));
    }
    Ok(())
}

fn unit_key(code: &str) -> Key {
    Key::new("DIRECTORY#UNITS", format!("UNIT#{code}"))
}

/// A unit's item, indexed by its region.
fn unit_item(unit: &Unit) -> Item {
    Item::new(unit_key(&unit.code), serde_json::to_value(unit).unwrap_or_default()).with_index(
        Index::Gsi1,
        format!("DIRECTORY#REGION#{}", unit.region),
        unit.code.clone(),
    )
}

fn platform_key(unit: &str, code: &str) -> Key {
    Key::new(format!("DIRECTORY#UNIT#{unit}"), format!("PLATFORM#{code}"))
}

/// Units and platforms in the store.
#[derive(Clone)]
pub struct Directory {
    store: SharedStore,
}

impl Directory {
    pub fn new(store: SharedStore) -> Directory {
        Directory { store }
    }

    /// The unit as it would be stored, checked: code, name, a known department.
    pub fn check_unit(code: &str, name: &str, department: &str) -> Result<Unit, DirectoryError> {
        let code = code.trim().to_ascii_lowercase();
        if !is_slug(&code) {
            return invalid(
                "code",
                "单位代码只能用小写字母、数字、连字符或下划线，不超过 64 个字符，如 hebei-kjpt-001。",
            );
        }
        check_text("name", name, "单位名称")?;
        let Some(dept) = self::department(department) else {
            return invalid("department", "请选择归口管理部门。");
        };
        Ok(Unit {
            code,
            name: name.trim().into(),
            region: dept.region.clone(),
            department: dept.code.clone(),
            approved: false,
        })
    }

    /// Adds a unit (as it registers: not approved yet); refused when its code is taken.
    pub async fn add_unit(&self, unit: &Unit) -> Result<(), DirectoryError> {
        match self.store.transact(vec![Write::Create(unit_item(unit))]).await {
            Err(StoreError::ConditionFailed { .. }) => Err(DirectoryError::Taken(unit.code.clone())),
            other => Ok(other?),
        }
    }

    /// Marks the unit `code` approved by its department: from now on it can be chosen.
    /// `Ok(false)` when there is no such unit.
    pub async fn approve_unit(&self, code: &str) -> Result<bool, DirectoryError> {
        for _ in 0..3 {
            let Some(item) = self.store.get(&unit_key(code)).await? else { return Ok(false) };
            let Ok(mut unit) = serde_json::from_value::<Unit>(item.data) else { return Ok(false) };
            if unit.approved {
                return Ok(true);
            }
            unit.approved = true;
            match self
                .store
                .transact(vec![Write::Replace { item: unit_item(&unit), expected_version: item.version }])
                .await
            {
                Err(StoreError::ConditionFailed { .. } | StoreError::Contention) => continue,
                other => return other.map(|()| true).map_err(Into::into),
            }
        }
        Err(DirectoryError::Store(StoreError::Contention))
    }

    /// Removes a unit whose registration was refused (so the code is free again).
    pub async fn remove_unit(&self, code: &str) -> Result<(), DirectoryError> {
        if let Some(item) = self.store.get(&unit_key(code)).await? {
            self.store.transact(vec![Write::Delete { key: item.key, expected_version: item.version }]).await?;
        }
        Ok(())
    }

    pub async fn unit(&self, code: &str) -> Result<Option<Unit>, DirectoryError> {
        let item = self.store.get(&unit_key(code)).await?;
        Ok(item.and_then(|i| serde_json::from_value(i.data).ok()))
    }

    /// The approved unit `code` of `region`, as a choice made from the directory:
    /// `None` when the directory has no such unit in that region (a code typed or
    /// planted by hand), or its registration is not approved.
    pub async fn unit_in_region(&self, code: &str, region: &str) -> Result<Option<Unit>, DirectoryError> {
        if !is_slug(code) {
            return Ok(None);
        }
        Ok(self.unit(code).await?.filter(|u| u.region == region && u.approved))
    }

    /// The platform `code` of `unit`, as a choice made from the directory.
    pub async fn platform(&self, unit: &str, code: &str) -> Result<Option<Platform>, DirectoryError> {
        if !is_slug(unit) || !is_slug(code) {
            return Ok(None);
        }
        let item = self.store.get(&platform_key(unit, code)).await?;
        Ok(item.and_then(|i| serde_json::from_value(i.data).ok()))
    }

    /// The approved units of a region, by code (each read again: the index may lag);
    /// a unit whose registration waits or was refused is never among them.
    pub async fn units_of_region(&self, region: &str) -> Result<Vec<Unit>, DirectoryError> {
        let found = self.store.query_index(Index::Gsi1, &format!("DIRECTORY#REGION#{region}")).await?;
        let mut units = Vec::new();
        for item in found {
            if let Some(unit) = self.unit(&item.key.sk["UNIT#".len()..]).await?
                && unit.region == region
                && unit.approved
            {
                units.push(unit);
            }
        }
        Ok(units)
    }

    /// Every unit, by code.
    pub async fn units(&self) -> Result<Vec<Unit>, DirectoryError> {
        let items = self.store.query("DIRECTORY#UNITS", "UNIT#").await?;
        Ok(items.into_iter().filter_map(|i| serde_json::from_value(i.data).ok()).collect())
    }

    /// The platforms of a unit, in 序号 order.
    pub async fn platforms(&self, unit: &str) -> Result<Vec<Platform>, DirectoryError> {
        let items = self.store.query(&format!("DIRECTORY#UNIT#{unit}"), "PLATFORM#").await?;
        let mut platforms: Vec<Platform> =
            items.into_iter().filter_map(|i| serde_json::from_value(i.data).ok()).collect();
        platforms.sort_by_key(|p| p.seq);
        Ok(platforms)
    }

    /// Adds a platform to a unit: the next 序号; refused when its code is taken.
    pub async fn add_platform(
        &self,
        unit: &str,
        code: &str,
        name: &str,
        leader: &str,
        department: &str,
    ) -> Result<Platform, DirectoryError> {
        let code = code.trim().to_ascii_lowercase();
        if !is_slug(&code) {
            return invalid("code", "平台代码只能用小写字母、数字、连字符或下划线，不超过 64 个字符，如 kjpt-01。");
        }
        check_text("name", name, "平台名称")?;
        check_text("leader", leader, "负责人")?;
        check_text("department", department, "管理部门")?;
        let seq = self.platforms(unit).await?.iter().map(|p| p.seq).max().unwrap_or(0) + 1;
        let platform = Platform {
            seq,
            code,
            name: name.trim().into(),
            leader: leader.trim().into(),
            department: department.trim().into(),
        };
        let item = Item::new(platform_key(unit, &platform.code), json!(platform));
        match self.store.transact(vec![Write::Create(item)]).await {
            Err(StoreError::ConditionFailed { .. }) => Err(DirectoryError::Taken(platform.code)),
            other => other.map(|()| platform).map_err(Into::into),
        }
    }
}
