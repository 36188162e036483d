//! UI text of the generated pages, in Chinese by default and English when the
//! site config says `language = "en"`. Templates read it as `t.<key>`.

use std::collections::HashMap;

use crate::config::Language;

/// (key, 中文, English)
const STRINGS: &[(&str, &str, &str)] = &[
    ("skip_to_content", "跳到正文", "Skip to content"),
    ("register_online", "在线报名", "Register online"),
    ("submit_registration", "提交报名", "Submit registration"),
    (
        "registration_review_note",
        "提交后由主管部门审核；提交成功后会显示回执，凭回执查看审核结果。",
        "Your registration is reviewed by the responsible department; after submitting you get a receipt to follow it.",
    ),
    ("fill_online", "在线填报", "Fill in online"),
    (
        "sign_in_to_fill",
        "登录后在线填报、保存、提交，并查看审核进度。",
        "Sign in to fill in, save and submit online, and follow the review.",
    ),
    ("home", "首页", "Home"),
    ("notices", "通知公告", "Notices"),
    ("courses", "培训课程", "Courses"),
    ("policies", "政策文件", "Policies"),
    ("cases", "典型案例", "Typical cases"),
    ("search", "搜索", "Search"),
    ("sign_in_or_desk", "登录 / 办事", "Sign in / services"),
    ("main_navigation", "主导航", "Main navigation"),
    ("latest_notices", "最新通知", "Latest notices"),
    ("open_deadlines", "正在征集", "Open deadlines"),
    ("latest_courses", "最新课程", "Latest courses"),
    ("recommended_courses", "推荐课程", "Recommended courses"),
    ("no_upcoming_courses", "暂无即将开始的课程。", "No course is coming up."),
    ("open_registrations", "正在报名", "Open for registration"),
    ("course_categories", "课程分类", "Course categories"),
    ("more", "更多", "More"),
    ("doc_number", "发文字号", "Document number"),
    ("issuers", "发文机关", "Issued by"),
    ("written", "成文日期", "Date written"),
    ("published", "发布日期", "Date published"),
    ("disclosure", "公开方式", "Disclosure"),
    ("topics", "主题", "Topics"),
    ("deadline", "截止日期", "Deadline"),
    ("attachments", "附件", "Attachments"),
    ("contacts", "联系方式", "Contacts"),
    ("phone", "电话", "Phone"),
    ("email", "邮箱", "E-mail"),
    ("outline", "目录", "Contents"),
    ("status_open", "进行中", "Open"),
    ("status_closing_soon", "即将截止", "Closing soon"),
    ("status_closed", "已截止", "Closed"),
    ("status_not_open", "未开始", "Not yet open"),
    ("days_left", "天后截止", "days left"),
    ("category", "类别", "Category"),
    ("course_kind", "班次类型", "Kind"),
    ("tier", "项目层级", "Tier"),
    ("required", "必修", "Required"),
    ("elective", "选修", "Elective"),
    ("hours", "学时", "Hours"),
    ("dates", "日期", "Dates"),
    ("mode", "形式", "Mode"),
    ("place", "地点", "Place"),
    ("capacity", "名额", "Places"),
    ("unlimited", "不限", "Unlimited"),
    ("registration", "报名", "Registration"),
    ("registration_window", "报名时间", "Registration"),
    ("provider", "主办单位", "Provider"),
    ("recommended", "推荐", "Recommended"),
    ("register_now", "在线报名", "Register online"),
    ("registration_closed", "报名已截止", "Registration has closed"),
    ("registration_opens_on", "报名开始于", "Registration opens on"),
    ("filling_closed", "在线填报已截止。", "Online submission has closed."),
    ("seats_left", "（剩余 {n} 个）", " ({n} left)"),
    ("seats_full", "（已满，可报名候补，已有 {w} 人候补）", " (full: you can join the waiting list, {w} waiting)"),
    ("policy_status", "效力状态", "Status"),
    ("supersedes", "替代", "Supersedes"),
    ("superseded_by", "已被替代为", "Superseded by"),
    ("region", "地区", "Region"),
    ("date", "日期", "Date"),
    ("by_issuer", "按发文机关", "By issuer"),
    ("by_year", "按年份", "By year"),
    ("by_topic", "按主题", "By topic"),
    ("by_category", "按类别", "By category"),
    ("by_tier", "按层级", "By tier"),
    ("by_region", "按地区", "By region"),
    ("all", "全部", "All"),
    ("pagination", "分页", "Pagination"),
    ("previous_page", "上一页", "Previous"),
    ("next_page", "下一页", "Next"),
    ("page_n", "第 {n} 页", "Page {n}"),
    ("items_count", "共 {n} 条", "{n} items"),
    ("search_placeholder", "输入关键词、发文字号", "Keywords or document number"),
    (
        "search_needs_js",
        "站内搜索需要启用 JavaScript。您也可以按栏目浏览：",
        "Site search needs JavaScript. You can also browse the listings:",
    ),
    ("all_types", "全部类型", "All types"),
    ("all_issuers", "全部发文单位", "All issuers"),
    ("all_years", "全部年份", "All years"),
    ("type", "类型", "Type"),
    ("year", "年份", "Year"),
    ("issuer", "发文单位", "Issuer"),
    ("keywords", "关键词", "Keywords"),
    ("not_found_title", "页面不存在", "Page not found"),
    ("not_found_text", "您访问的页面不存在或已移动。", "The page you asked for does not exist or has moved."),
    ("print", "打印", "Print"),
    ("feed", "订阅", "Feed"),
    ("calendar", "日历", "Calendar"),
    ("breadcrumb", "当前位置", "You are here"),
    ("kind_notice", "通知公告", "Notice"),
    ("kind_course", "课程", "Course"),
    ("kind_policy", "政策文件", "Policy"),
    ("kind_case", "典型案例", "Case"),
    ("event_deadline", "截止：", "Deadline: "),
    ("event_registration_closes", "报名截止：", "Registration closes: "),
];

/// The UI strings of one language, for templates.
pub fn strings(language: Language) -> HashMap<&'static str, &'static str> {
    STRINGS.iter().map(|(key, zh, en)| (*key, if language == Language::En { *en } else { *zh })).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = super::STRINGS.iter().map(|s| s.0).collect();
        keys.sort();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len());
    }
}
