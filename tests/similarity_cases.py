"""A small labelled set for the similar-initiative warning: past initiative titles and new
drafts, with the past ones a reader judged to be the same idea (or none)."""

PAST = {
    1: "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Trung tâm Phục vụ hành chính "
    "công xã",
    2: "Sử dụng Zalo OA của UBND xã để nhắc lịch hẹn trả kết quả thủ tục hành chính",
    3: "Ứng dụng mã QR tra cứu tình trạng hồ sơ thủ tục hành chính",
    4: "Mô hình “Tổ công nghệ số cộng đồng” hướng dẫn người dân sử dụng dịch vụ công trực tuyến",
    5: "Chấm điểm, đánh giá cán bộ, công chức hằng tháng bằng phần mềm theo tiêu chí lượng hóa",
    6: "Công khai thu, chi ngân sách xã trên Cổng thông tin điện tử",
    7: "Rà soát, đề xuất bãi bỏ văn bản quy phạm pháp luật không còn phù hợp của xã",
    8: "Thành lập nhóm Zalo giao ban điều hành giữa lãnh đạo UBND và các phòng chuyên môn",
    9: "Đặt lịch hẹn trực tuyến khi đến làm thủ tục tại Bộ phận Một cửa",
    10: "Khảo sát mức độ hài lòng của người dân bằng máy tính bảng tại quầy tiếp nhận",
    11: "Ứng dụng trí tuệ nhân tạo trả lời câu hỏi thường gặp về thủ tục hành chính",
    12: "Xây dựng kịch bản điều hành cho Trung tâm giám sát, điều hành thông minh (IOC)",
    13: "Tủ hồ sơ điện tử dùng chung cho các phòng chuyên môn",
    14: "Quy trình ISO điện tử trong giải quyết đơn thư khiếu nại",
}

# (draft title, ids of the past initiatives that are the same idea)
QUERIES = [
    ("Số hóa hồ sơ TTHC tại Trung tâm hành chính công", {1}),
    ("Nhắc lịch trả kết quả hồ sơ qua Zalo OA", {2}),
    ("Tra cứu hồ sơ bằng mã QR", {3}),
    ("Tổ công nghệ số cộng đồng hỗ trợ người dân làm dịch vụ công trực tuyến", {4}),
    ("Phần mềm đánh giá, chấm điểm cán bộ công chức hằng tháng", {5}),
    ("Công khai ngân sách xã trên trang thông tin điện tử", {6}),
    ("Khảo sát sự hài lòng người dân bằng máy tính bảng", {10}),
    ("Chatbot AI trả lời câu hỏi về thủ tục hành chính", {11}),
    ("Nhóm Zalo giao ban giữa lãnh đạo xã và các phòng", {8}),
    ("Đặt lịch hẹn làm thủ tục trực tuyến", {9}),
    ("so hoa ho so thu tuc hanh chinh", {1}),  # typed without diacritics
    ("Kịch bản điều hành IOC của xã", {12}),
    ("Trồng cây xanh tại trụ sở UBND xã", set()),
    ("Sắp xếp lại kho lưu trữ hồ sơ giấy của Văn phòng", set()),
    ("Tổ chức hội thi tìm hiểu pháp luật cho thanh niên", set()),
    ("Tuyên truyền phòng chống cháy nổ trong khu dân cư", set()),
    ("Cải tiến quy trình tiếp công dân định kỳ", set()),
    ("Giảm giấy tờ khi đăng ký khai sinh cho trẻ em", set()),
]
